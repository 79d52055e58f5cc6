"""The words of the CFPB's Model Form B-1 (12 CFR part 1006, appendix B) in English and its complete Spanish
version (1006.34(e)), with the blanks as {fields}, and the words of the other letters' header: what
channels/pdf_letters.py prints.
"""

from __future__ import annotations

CFPB_WEBSITE = "www.cfpb.gov/debt-collection"

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "to": "To:",
        "reference": "Reference:",
        "intro": "<b>{collector} is a debt collector.</b> We are trying to collect a debt that you owe to "
        "{creditor}. We will use any information you give us to help collect the debt.",
        "shows": "Our information shows:",
        "account": "You have an account with {creditor} with account number {account}.",
        "owed": "As of {date}, you owed:",
        "between": "Between {date} and today:",
        "interest": "You were charged this amount in interest:",
        "fees": "You were charged this amount in fees:",
        "payments": "You paid this amount toward the debt:",
        "credits": "You were credited this amount toward the debt:",
        "total": "Total amount of the debt now:",
        "dispute": "How can you dispute the debt?",
        "dispute_1": "<b>Call or write to us by {end}, to dispute all or part of the debt.</b> If you do not, "
        "we will assume that our information is correct.",
        "dispute_2": "<b>If you write to us by {end},</b> we must stop collection on any amount you dispute until "
        "we send you information that shows you owe the debt. You may use the form below or write to us "
        "without the form. You may also include supporting documents.",
        "else": "What else can you do?",
        "else_1": "<b>Write to ask for the name and address of the original creditor, if different from the "
        "current creditor.</b> If you write by {end}, we must stop collection until we send you that "
        "information. You may use the form below or write to us without the form.",
        "else_2": "<b>Go to " + CFPB_WEBSITE + " to learn more about your rights under federal law.</b> For "
        "instance, you have the right to stop or limit how we contact you.",
        "else_3": "Contact us about your payment options.",
        "spanish": "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
        "mail_to": "Mail this form to:",
        "respond": "How do you want to respond?",
        "check": "Check all that apply:",
        "because": "I want to dispute the debt because I think:",
        "not_mine": "This is not my debt.",
        "wrong": "The amount is wrong.",
        "other": "Other (please describe on reverse or attach additional information).",
        "original": "I want you to send me the name and address of the original creditor.",
        "enclosed": "I enclosed this amount:",
        "payable": "Make your check payable to <i>{collector}</i>. Include the reference number {reference}.",
        "quiero": "Quiero este formulario en español.",
        "phone": "Phone: {phone}",
    },
    "es": {
        "to": "Para:",
        "reference": "Referencia:",
        "intro": "<b>{collector} es un cobrador de deudas.</b> Estamos tratando de cobrar una deuda que usted "
        "tiene con {creditor}. Usaremos cualquier información que nos brinde para ayudar a cobrar la deuda.",
        "shows": "Nuestra información muestra lo siguiente:",
        "account": "Usted tiene una cuenta con {creditor} con el número de cuenta {account}.",
        "owed": "Hasta el {date}, usted debía:",
        "between": "Entre el {date} y hoy:",
        "interest": "Se le cobró esta cantidad en interés:",
        "fees": "Se le cobró esta cantidad en cargos:",
        "payments": "Pagó esta cantidad a la deuda:",
        "credits": "Se le abonó esta cantidad a la deuda:",
        "total": "Monto total de la deuda ahora:",
        "dispute": "¿Cómo puede disputar la deuda?",
        "dispute_1": "<b>Llámenos o escríbanos antes del {end} para disputar la totalidad o parte de la "
        "deuda.</b> Si no lo hace, supondremos que nuestra información es correcta.",
        "dispute_2": "<b>Si nos escribe antes del {end},</b> debemos detener el cobro de cualquier cantidad que "
        "dispute hasta que le enviemos información que demuestre que debe la deuda. Puede utilizar el "
        "formulario a continuación o escribirnos sin el formulario. También puede incluir documentos que "
        "respalden su disputa.",
        "else": "¿Qué más puede hacer?",
        "else_1": "<b>Escriba para solicitar el nombre y la dirección del acreedor original, si es diferente "
        "del acreedor actual.</b> Si escribe antes del {end}, debemos detener el cobro hasta que le enviemos "
        "esa información. Puede utilizar el formulario a continuación o escribirnos sin el formulario.",
        "else_2": "<b>Visite " + CFPB_WEBSITE + " para obtener más información sobre sus derechos según la ley "
        "federal.</b> Por ejemplo, tiene derecho a detener o limitar la forma en que lo(a) contactemos.",
        "else_3": "Contáctenos acerca de sus opciones de pago.",
        "spanish": "",
        "mail_to": "Envíe este formulario a:",
        "respond": "¿Cómo desea responder?",
        "check": "Marque todo lo que corresponda:",
        "because": "Quiero disputar la deuda porque pienso que:",
        "not_mine": "Esta no es mi deuda.",
        "wrong": "La cantidad es incorrecta.",
        "other": "Otro (por favor describa al reverso o adjunte información adicional).",
        "original": "Quiero que me envíe el nombre y la dirección del acreedor original.",
        "enclosed": "Adjunto esta cantidad:",
        "payable": "Haga su cheque a nombre de <i>{collector}</i>. Incluya el número de referencia {reference}.",
        "quiero": "",
        "phone": "Teléfono: {phone}",
    },
}
